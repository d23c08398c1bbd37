package demos

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"socketlab/demos/wire"
	"socketlab/lab"
)

// unpackI is struct.unpack('i', data)[0]: it needs exactly 4 bytes.
func unpackI(data []byte) (int, string) {
	n, err := wire.ParseHeader(data, wire.Little, bugMax)
	if errors.Is(err, wire.ErrMalformed) && len(data) != wire.HeaderSize {
		return 0, "struct.error: unpack requires a buffer of 4 bytes"
	}
	if err != nil {
		return 0, fmt.Sprintf("(a length the lab refuses: %v)", err)
	}
	return n, ""
}

// pyInt is Python's int(text), for the digits of a size: an error is the
// ValueError Python raises, with the text as repr() shows it.
func pyInt(text string) (int, string) {
	n, err := strconv.Atoi(strings.TrimSpace(text))
	if err != nil || n < 0 {
		return 0, fmt.Sprintf("ValueError: invalid literal for int() with base 10: %s", wire.PyRepr(text, 0))
	}
	return n, ""
}

// pyJSONError is what json.loads says about a header that is not whole:
// Python's own words for the piece the recipe cuts, else Go's.
func pyJSONError(got []byte, err error) string {
	if string(got) == string(bugHeader[:bugHeadCut]) {
		return bugHeadError
	}
	return fmt.Sprintf("json.decoder.JSONDecodeError (Go says: %v)", err)
}

// pyError records what the Python reader raised here, as a key note.
func pyError(s *lab.Side, step, exc string) {
	s.KeyNote(step, lab.Tf("Python raises %s", "Python 抛出 %s", exc))
}

// savedNote says what the reader kept as file i.
func savedNote(s *lab.Side, step string, i int, data []byte) {
	s.KeyNote(step, lab.Tf("file %d saved: %d bytes, %s", "文件 %d 已保存：%d 个字节，%s", i, len(data), wire.PyRepr(data, 0)))
}
