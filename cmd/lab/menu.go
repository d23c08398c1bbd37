package main

import "fmt"

func (e *env) menu() error {
	s, err := e.resolve(common{color: "auto"})
	if err != nil {
		return err
	}
	if err := writeList(e.stdout, s); err != nil {
		return err
	}
	_, err = fmt.Fprintln(e.stderr, "lab: hint: the menu needs a terminal; use the commands above")
	return err
}
