/**
 * gpg-agent's canonical S-expressions: the codec, and the conversions between the agent's key,
 * signature and ciphertext expressions and the raw formats of the keyroute contract. Every
 * function is pure: nothing here opens a socket or starts a process.
 */
export * from './canonical.js';
export * from './ciphertext.js';
export * from './oaep.js';
export * from './public-key.js';
export * from './signature.js';
