#!/usr/bin/env node
// `edgereco` command: runs the TypeScript CLI through tsx's loader (a build step can replace this later).
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
