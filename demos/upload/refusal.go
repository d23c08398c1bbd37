package upload

import "fmt"

// Kind is why the store refuses an upload; a server maps it to its
// protocol's answer (lab ftp: a status code).
type Kind int

// The kinds of refusal.
const (
	KindPartName Kind = iota + 1 // the name has the form .NAME.part
	KindExists                   // a file of the name is stored (no Replace), or appeared meanwhile
	KindBusy                     // another upload of the name is under way
	KindNotFile                  // the name, or its part, is a folder, a link or a device
	KindQuota                    // the bytes do not fit
	KindShort                    // fewer bytes arrived than announced (or more were written)
	KindChecksum                 // an announced checksum does not match
	KindWrite                    // writing the part failed (a full disk)
	KindFS                       // the file system refused (Err says how)
)

// A Refusal is why the store does not take, or did not store, an upload,
// in English and Chinese.
type Refusal struct {
	Kind Kind
	En   string
	Zh   string
	// Quota refusals: the bytes asked, those in use, those the file
	// would free (the one it replaces), the limit.
	Need, Used, Freed, Limit int64
	Err                      error // KindFS, KindWrite: the file system's error
}

func (r *Refusal) Error() string { return r.En }

// Unwrap returns the file system's error, if any.
func (r *Refusal) Unwrap() error { return r.Err }

func refusal(k Kind, en, zh string, a ...any) *Refusal {
	return &Refusal{Kind: k, En: fmt.Sprintf(en, a...), Zh: fmt.Sprintf(zh, a...)}
}

func fsRefusal(k Kind, en, zh string, err error) *Refusal {
	r := refusal(k, "cannot %[1]s: %[3]v", "无法%[2]s：%[3]v", en, zh, err)
	r.Err = err
	return r
}
