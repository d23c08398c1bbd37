package demos

import (
	"errors"
	"fmt"
	"strings"

	"socketlab/demos/wire"
	"socketlab/lab"
)

// wireText says a refusal of the wire codecs in both languages: the codecs
// speak English (they are a library), the learner reads the run's language.
// An error it does not know keeps its words in both, behind the caller's
// own translated explanation.
func wireText(err error) lab.Text {
	var pe *wire.UnsafePickleError
	var ne *wire.UnsafeNameError
	switch {
	case errors.As(err, &pe) && pe.Callable != "":
		return lab.Tf(
			"unsafe pickle: %s at byte %d names the callable %s; pickle.loads would import it and could call it, so the lab refuses to decode it",
			"不安全的 pickle：第 %[2]d 字节处的 %[1]s 指名了可调用对象 %[3]s；pickle.loads 会导入它，还可能调用它，所以实验台拒绝解码",
			pe.Op, pe.Offset, pe.Name())
	case errors.As(err, &pe):
		return lab.Tf(
			"unsafe pickle: %s at byte %d would call or construct an object; the lab only decodes plain data",
			"不安全的 pickle：第 %[2]d 字节处的 %[1]s 会调用或构造对象；实验台只解码纯数据",
			pe.Op, pe.Offset)
	case errors.As(err, &ne):
		return lab.Text{En: ne.Error(), Zh: fmt.Sprintf("不安全的文件名 %q：%s", ne.Quoted, unsafeWhyZh(ne.Why))}
	}
	return lab.Tf("%v", "%v", err)
}

// unsafeWhyZh is SafeName's reason in Chinese.
func unsafeWhyZh(why string) string {
	switch {
	case why == "empty":
		return "是空的"
	case strings.HasPrefix(why, "longer than "):
		return "长于 " + strings.TrimSuffix(strings.TrimPrefix(why, "longer than "), " bytes") + " 个字节"
	case why == "not valid UTF-8":
		return "不是有效的 UTF-8"
	case why == "not a file name":
		return "不是文件名"
	case strings.HasPrefix(why, "contains a path separator"):
		return "含有路径分隔符：只能给一个单纯的文件名"
	case why == "names a drive":
		return "指定了一个驱动器"
	case strings.HasPrefix(why, "contains the control character "):
		return "含有控制字符 " + strings.TrimPrefix(why, "contains the control character ")
	}
	return why
}

// pickleRefusal is demo 7's climax: the server's decoder refused the pickle.
func pickleRefusal(err error) lab.Text {
	t := wireText(err)
	return lab.Text{En: "refused: " + t.En, Zh: "已拒绝：" + t.Zh}
}
