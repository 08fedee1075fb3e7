export * from './find-key.js';
export * from './key-reference.js';
