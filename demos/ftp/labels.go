package ftp

import "socketlab/lab"

// The labels of a message's parts in the trace.
var (
	LabelLength = lab.T("header length", "报头长度")
	LabelHeader = lab.T("JSON header", "JSON 报头")
	LabelFile   = lab.T("file", "文件")
)

// The parts' machine ids (lab.Mark.Part), which findings match instead of
// the labels' words.
const (
	PartLength = "length"
	PartHeader = "header"
	PartFile   = "file"
)

// frameMarks labels a framed header of n bytes (length included).
func frameMarks(n int) []lab.Mark {
	return []lab.Mark{{From: 0, To: LenSize, Label: LabelLength, Part: PartLength}, {From: LenSize, To: n, Label: LabelHeader, Part: PartHeader}}
}
