/** Application authentication (bearer tokens) and authorisation (access rules over keys). */
export {
  allowedOps,
  globToRegExp,
  isAllowed,
  isOp,
  OPS,
  type KeyIdentity,
  type Op,
} from './acl.js';
export { bearerToken, findApp, hashToken, newToken, TOKEN_PREFIX } from './tokens.js';
