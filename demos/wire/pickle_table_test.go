package wire

import "testing"

// TestPickleTables: the decoder's three tables agree. Every opcode with a
// name has an argument reader and nothing else does; every safe one has a
// handler, and no unsafe one has (run refuses those before any handler).
func TestPickleTables(t *testing.T) {
	for c := range 256 {
		code := byte(c)
		name, named := pickleNames[code]
		if named != (pickleArgs[code] != nil) {
			t.Errorf("opcode 0x%02x (%q): named %v, argument reader %v", code, name, named, pickleArgs[code] != nil)
		}
		if named && !unsafeOps[code] && pickleHandlers[code] == nil {
			t.Errorf("%s: a safe opcode without a handler", name)
		}
		if pickleHandlers[code] != nil && (!named || unsafeOps[code]) {
			t.Errorf("opcode 0x%02x (%q): a handler, but named %v, unsafe %v", code, name, named, unsafeOps[code])
		}
	}
}
