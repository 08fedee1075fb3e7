/**
 * Parser for `softhsm2-util --show-slots`. Pure: nothing here runs a tool.
 *
 * ```
 * Available slots:
 * Slot 539782267
 *     Slot info:
 *         Description:      SoftHSM slot ID 0x202c6c7b
 *         Token present:    yes
 *     Token info:
 *         Serial number:    ffad2e9e202c6c7b
 *         Initialized:      yes
 *         Label:            kr                              <- padded to 32 with spaces
 * ```
 */

/** One slot of `softhsm2-util --show-slots`. */
export interface SoftHsmSlot {
  /** Slot id; random after `--init-token`, so never a way to find a token. */
  readonly slotId: string;
  /** Whether the token in the slot is initialised. */
  readonly initialized: boolean;
  /** Token label with its space padding removed; empty for the free slot. */
  readonly label: string;
  /** Token serial number (16 hex digits for initialised tokens, empty otherwise). */
  readonly serial: string;
}

/**
 * Parses the slot list, reading the `Token info:` section of each `Slot <id>` block.
 *
 * @throws Error when a slot block lacks its serial number, label or initialisation state.
 */
export function parseSoftHsmSlots(text: string): SoftHsmSlot[] {
  const slots: SoftHsmSlot[] = [];
  let current: { slotId: string; section: string; fields: Map<string, string> } | undefined;
  const flush = (): void => {
    if (current === undefined) return;
    const { slotId, fields } = current;
    const serial = fields.get('Serial number');
    const label = fields.get('Label');
    const initialized = fields.get('Initialized');
    if (serial === undefined || label === undefined || initialized === undefined) {
      throw new Error(`softhsm2-util --show-slots: slot ${slotId} lacks serial, label or state`);
    }
    slots.push({ slotId, initialized: initialized === 'yes', label, serial });
  };
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/\r$/, '');
    const slot = /^Slot (\d+)$/.exec(line);
    if (slot?.[1] !== undefined) {
      flush();
      current = { slotId: slot[1], section: '', fields: new Map() };
      continue;
    }
    if (current === undefined) continue;
    const section = /^ {4}(\S.*):$/.exec(line);
    if (section?.[1] !== undefined) {
      current.section = section[1];
      continue;
    }
    const entry = /^ {8}([^:]+):(.*)$/.exec(line);
    if (entry?.[1] !== undefined && entry[2] !== undefined && current.section === 'Token info') {
      current.fields.set(entry[1], entry[2].trim());
    }
  }
  flush();
  return slots;
}

/**
 * Finds the initialised token with this label.
 *
 * @throws Error listing the labels present when there is no such token, or when two have it.
 */
export function findTokenByLabel(slots: readonly SoftHsmSlot[], label: string): SoftHsmSlot {
  const initialized = slots.filter((slot) => slot.initialized);
  const matches = initialized.filter((slot) => slot.label === label);
  if (matches.length === 1 && matches[0] !== undefined) return matches[0];
  const present = initialized.map((slot) => `"${slot.label}"`).join(', ') || 'none';
  throw new Error(
    matches.length === 0
      ? `SoftHSM token "${label}" not found: tokens present: ${present}`
      : `SoftHSM token label "${label}" is used by ${matches.length} tokens`,
  );
}
