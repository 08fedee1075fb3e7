/** The Assuan server framework: `createAssuanServer` and its contract. */
export { createAssuanServer } from './server.js';
export type {
  AssuanListener,
  AssuanServer,
  AssuanServerOptions,
  CommandContext,
  CommandDefinition,
  CommandHandler,
  ListenOptions,
  OptionValueEscaping,
} from './types.js';
