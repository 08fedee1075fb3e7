import { describe, expect, it } from 'vitest';
import { findTokenByLabel, parseSoftHsmSlots } from './softhsm-slots.js';

// Recorded from SoftHSM 2.6.1 `softhsm2-util --show-slots` after one `--init-token --free`.
const SHOW_SLOTS = `Available slots:
Slot 539782267
    Slot info:
        Description:      SoftHSM slot ID 0x202c6c7b                                      
        Manufacturer ID:  SoftHSM project                 
        Hardware version: 2.6
        Firmware version: 2.6
        Token present:    yes
    Token info:
        Manufacturer ID:  SoftHSM project                 
        Model:            SoftHSM v2      
        Hardware version: 2.6
        Firmware version: 2.6
        Serial number:    ffad2e9e202c6c7b
        Initialized:      yes
        User PIN init.:   yes
        Label:            kr                              
Slot 1
    Slot info:
        Description:      SoftHSM slot ID 0x1                                             
        Manufacturer ID:  SoftHSM project                 
        Hardware version: 2.6
        Firmware version: 2.6
        Token present:    yes
    Token info:
        Manufacturer ID:  SoftHSM project                 
        Model:            SoftHSM v2      
        Hardware version: 2.6
        Firmware version: 2.6
        Serial number:                    
        Initialized:      no
        User PIN init.:   no
        Label:                                            
`;

describe('parseSoftHsmSlots', () => {
  it('reads slot id, label, serial and state from the Token info section', () => {
    expect(parseSoftHsmSlots(SHOW_SLOTS)).toEqual([
      { slotId: '539782267', initialized: true, label: 'kr', serial: 'ffad2e9e202c6c7b' },
      { slotId: '1', initialized: false, label: '', serial: '' },
    ]);
  });

  it('rejects a slot block without token info', () => {
    expect(() => parseSoftHsmSlots('Available slots:\nSlot 7\n    Slot info:\n')).toThrow(
      /slot 7 lacks serial/,
    );
  });
});

describe('findTokenByLabel', () => {
  const slots = parseSoftHsmSlots(SHOW_SLOTS);

  it('finds the initialised token by label, never by slot number', () => {
    expect(findTokenByLabel(slots, 'kr').serial).toBe('ffad2e9e202c6c7b');
  });

  it('names the labels present when the token is missing', () => {
    expect(() => findTokenByLabel(slots, 'nope')).toThrow(
      'SoftHSM token "nope" not found: tokens present: "kr"',
    );
  });

  it('rejects an ambiguous label', () => {
    const first = slots[0];
    if (first === undefined) throw new Error('fixture has no slot');
    expect(() => findTokenByLabel([first, { ...first, slotId: '2' }], 'kr')).toThrow(
      /used by 2 tokens/,
    );
  });
});
