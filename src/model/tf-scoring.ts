/**
 * What the model runtime needs of TensorFlow.js, in one chunk of its own: the runtime answers with plain loops until
 * this is loaded and a backend is chosen (`ModelRuntime.accelerate`), so the first answer of a page view does not wait
 * for TensorFlow.js's code.
 */
export { activate, deviceLost, median, selectBackend } from './backend-select.js';
export { scoreState, scoringTable } from './score-histories.js';

