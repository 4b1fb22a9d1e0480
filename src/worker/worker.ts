/// <reference lib="webworker" />
import { expose, transferHandlers } from 'comlink';
import { sendErrorCodes } from '../core/comlink-errors.js';
import { Engine } from './engine.js';

sendErrorCodes(transferHandlers as Map<string, unknown>);
expose(new Engine());
