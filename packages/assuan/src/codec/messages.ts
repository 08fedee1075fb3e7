/**
 * The messages of the Assuan protocol as values. Every function of the codec and the parser is
 * pure: nothing here opens a socket or starts a process.
 */

/** A line the server sends (libassuan manual, "Server responses"). */
export type ServerMessage =
  /** `OK [text]`: the command (or the greeting) succeeded. */
  | { readonly type: 'ok'; readonly text: string }
  /** `ERR <code> [description]`: the command failed with a gpg-error code. */
  | {
      readonly type: 'err';
      /** The whole gpg-error value as sent: `(source << 24) | code`. */
      readonly code: number;
      /** The text after the code, as sent (may end with `<Source name>`). */
      readonly description: string;
    }
  /** `S <keyword> [args]`: a status line. `args` is the raw (still escaped) rest of the line. */
  | { readonly type: 'status'; readonly keyword: string; readonly args: string }
  /** `D <data>`: a chunk of the response's data stream, unescaped. */
  | { readonly type: 'data'; readonly data: Uint8Array }
  /** `INQUIRE <keyword> [args]`: the server asks the client for data. */
  | { readonly type: 'inquire'; readonly keyword: string; readonly args: string }
  /** `END`: end of a data stream (optional from a server). */
  | { readonly type: 'end' }
  /** `# text`: a comment, to be ignored. */
  | { readonly type: 'comment'; readonly text: string };

/** A line the client sends (libassuan manual, "Client requests"). */
export type ClientMessage =
  /** `<COMMAND> [args]`: a command; `name` as sent (commands are case-insensitive). */
  | { readonly type: 'command'; readonly name: string; readonly args: string }
  /** `D <data>`: inquired data, unescaped. */
  | { readonly type: 'data'; readonly data: Uint8Array }
  /** `END`: end of the inquired data. */
  | { readonly type: 'end' }
  /** `CAN`: the client cancels the current inquiry. */
  | { readonly type: 'cancel' }
  /** `# text`: a comment, to be ignored. */
  | { readonly type: 'comment'; readonly text: string };
