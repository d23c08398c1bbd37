package main

import (
	"flag"
	"regexp"
	"strconv"
	"time"

	"socketlab/lab"
)

// The flag package's errors name flags with one dash ("-slow") and say
// "parse error" for a duration without a unit. flagError says the same in
// the learner's words, with the flag as it is typed: --slow.
var (
	reUndefined = regexp.MustCompile(`^flag provided but not defined: -+(.+)$`)
	reNeedsArg  = regexp.MustCompile(`^flag needs an argument: -+(.+)$`)
	reBadValue  = regexp.MustCompile(`^invalid (?:boolean )?value "(.*)" for (?:flag )?-+([^:]+): `)
)

// flagError rewrites an error of fs.Parse, or returns nil when it is not
// one of the flag package's known sentences.
func flagError(fs *flag.FlagSet, err error) lab.Text {
	msg := err.Error()
	if m := reUndefined.FindStringSubmatch(msg); m != nil {
		return lab.Tf("unknown flag --%s", "没有 --%s 这个选项", m[1])
	}
	if m := reNeedsArg.FindStringSubmatch(msg); m != nil {
		return lab.Tf("--%s needs a value", "--%s 需要一个值", m[1])
	}
	m := reBadValue.FindStringSubmatch(msg)
	if m == nil {
		return lab.Text{}
	}
	val, name := m[1], m[2]
	var kind any
	if f := fs.Lookup(name); f != nil {
		if g, ok := f.Value.(flag.Getter); ok {
			kind = g.Get()
		}
	}
	switch kind.(type) {
	case time.Duration:
		if _, err := strconv.ParseFloat(val, 64); err == nil {
			return lab.Tf("--%s %s: add a unit: %sms or %ss", "--%s %s：请加上单位：%sms 或 %ss", name, val, val, val)
		}
		return lab.Tf("--%s %q is not a duration (e.g. 300ms or 2s)", "--%s %q 不是时长（例如 300ms 或 2s）", name, val)
	case int, int64, uint, uint64:
		return lab.Tf("--%s %q is not a whole number", "--%s %q 不是整数", name, val)
	case bool:
		return lab.Tf("--%s takes no value, or =true/=false", "--%s 不带值，或写成 =true/=false", name)
	}
	return lab.Tf("--%s %q is not valid", "--%s 的值 %q 无效", name, val)
}
