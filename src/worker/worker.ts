/// <reference lib="webworker" />
import { expose, transferHandlers } from 'comlink';
import { sendErrorCodes } from '../core/comlink-errors.js';
import { messageArrived } from '../core/next-task.js';
import { Engine } from './engine.js';

sendErrorCodes(transferHandlers as Map<string, unknown>);
// Background work gives way while the page is calling (next-task.ts).
self.addEventListener('message', messageArrived);
expose(new Engine());
