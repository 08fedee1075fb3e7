/**
 * EME-OAEP decoding of the raw RSA result gpg-agent's PKDECRYPT returns: core's constant-time
 * decoder (the agent does only m = c^d mod n and leaves the padding to us).
 */
export { decodeOaep } from '@keyroute/core';
