package demos

// ObjectValue is the object demo 7 (and `lab serve 7`) sends, as Go values
// (see wire.AppendPickle): `lab check objects-client` wants its repr.
func ObjectValue() map[string]any { return objectValue() }

// SmallBufferMessage is the message `lab serve 3` sends by default.
func SmallBufferMessage() string {
	for _, d := range All() {
		if d.ID == 3 {
			for _, k := range d.Knobs {
				if k.Name == "msg" {
					return k.Default
				}
			}
		}
	}
	return ""
}

// UploadSHA is the SHA-256 (hex) of the file of `size` bytes that demo 15
// (and `lab client 15`) uploads.
func UploadSHA(size int64) string { return contentSHA(size) }

// ChatAnswer is what demo 14's server answers to a message (a line end is
// put back after ",你好"); `lab check chat-server` wants the same.
func ChatAnswer(msg []byte) []byte {
	reply, _, _ := chatAnswer(msg)
	return reply
}

// Upper is Python's bytes.upper() (ASCII letters only), the answer of the
// echo demos (1, 2, 8, 11): the exercises want the same.
func Upper(b []byte) []byte { return upper(b) }
