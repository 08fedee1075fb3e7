export { AssuanConnection } from './connection.js';
export type {
  ConnectionOptions,
  InquireAnswer,
  InquireHandler,
  OpenOptions,
  StatusLine,
  TransactOptions,
  TransactResult,
} from './types.js';
