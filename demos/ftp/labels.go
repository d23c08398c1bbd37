package ftp

import "socketlab/lab"

// The labels of a message's parts in the trace.
var (
	LabelLength = lab.T("header length", "报头长度")
	LabelHeader = lab.T("JSON header", "JSON 报头")
	LabelFile   = lab.T("file", "文件")
)

// frameMarks labels a framed header of n bytes (length included).
func frameMarks(n int) []lab.Mark {
	return []lab.Mark{{From: 0, To: LenSize, Label: LabelLength}, {From: LenSize, To: n, Label: LabelHeader}}
}
