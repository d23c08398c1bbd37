package lab

// TextError is an error the learner reads in the run's language: Text says
// what went wrong in both; Err, if set, is the cause in the system's own
// words, shown after the translated explanation and matched by errors.Is.
type TextError struct {
	Text Text
	Err  error
}

// Errorf returns a TextError: t explains, err (may be nil) is the cause.
func Errorf(t Text, err error) error { return &TextError{Text: t, Err: err} }

func (e *TextError) Error() string {
	if e.Err == nil {
		return e.Text.En
	}
	return e.Text.En + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *TextError) Unwrap() error { return e.Err }

// In is the error in language l: the explanation, then the cause.
func (e *TextError) In(l Lang) string {
	if e.Err == nil {
		return e.Text.In(l)
	}
	sep := ": "
	if l == Zh {
		sep = "："
	}
	var te *TextError
	if asTextError(e.Err, &te) {
		return e.Text.In(l) + sep + te.In(l)
	}
	return e.Text.In(l) + sep + e.Err.Error()
}

func asTextError(err error, te **TextError) bool {
	for err != nil {
		if t, ok := err.(*TextError); ok {
			*te = t
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

// ErrText is err in both languages when it is (or wraps) a TextError, else
// the zero Text: the system's words alone have no translation.
func ErrText(err error) Text {
	var te *TextError
	if !asTextError(err, &te) {
		return Text{}
	}
	return Text{En: te.In(En), Zh: te.In(Zh)}
}
