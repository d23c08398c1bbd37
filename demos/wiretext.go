package demos

import (
	"errors"
	"fmt"

	"socketlab/demos/wire"
	"socketlab/lab"
)

// wireText says a refusal of the wire codecs in both languages: the codecs
// speak English (they are a library), the learner reads the run's language.
// An error it does not know keeps its words in both, behind the caller's
// own translated explanation.
func wireText(err error) lab.Text {
	var pe *wire.UnsafePickleError
	var ne *wire.NameError
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
		return lab.Text{En: ne.Error(), Zh: fmt.Sprintf("不安全的文件名 %s：%s", ne.Quoted, ne.Zh)}
	}
	return lab.Tf("%v", "%v", err)
}

// pickleRefusal is demo 7's climax: the server's decoder refused the pickle.
func pickleRefusal(err error) lab.Text {
	t := wireText(err)
	return lab.Text{En: "refused: " + t.En, Zh: "已拒绝：" + t.Zh}
}
