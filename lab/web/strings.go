package web

import "socketlab/lab"

// pageStrings are the words of the page, by the key app.js uses; the words
// of the detail panel and of "What happened" come from render.UIStrings.
var pageStrings = map[string]lab.Text{
	"title":          lab.T("Socket Lab", "Socket Lab"),
	"demo":           lab.T("Demo", "演示"),
	"knobs":          lab.T("Knobs", "参数"),
	"no-knobs":       lab.T("this demo has no knobs", "这个演示没有参数"),
	"default":        lab.T("default", "默认"),
	"step-mode":      lab.T("step mode", "单步模式"),
	"run":            lab.T("Run", "运行"),
	"step":           lab.T("Step", "单步"),
	"continue":       lab.T("Continue", "继续运行"),
	"pause":          lab.T("Pause", "暂停"),
	"quit":           lab.T("Quit", "退出"),
	"presenter":      lab.T("Presenter", "投影模式"),
	"export-html":    lab.T("Export HTML", "导出 HTML"),
	"export-svg":     lab.T("Export SVG", "导出 SVG"),
	"keys":           lab.T("Keys: Enter, → or n: one call · space: pause/resume (in step mode: one call) · c: run on · q: quit", "按键：回车、→ 或 n：执行一次调用 · 空格：暂停/继续（单步模式下：执行一次调用）· c：一直运行 · q：退出"),
	"about-to":       lab.T("about to call", "即将调用"),
	"paused":         lab.T("paused", "已暂停"),
	"status.idle":    lab.T("Choose a demo and press Run (or Step to go call by call).", "选择一个演示，然后按“运行”（或按“单步”逐个调用地执行）。"),
	"status.waiting": lab.T("waiting for the run to start", "等待运行开始"),
	"status.running": lab.T("running", "正在运行"),
	"status.step":    lab.T("step mode: waiting for a key", "单步模式：等待按键"),
	"status.done":    lab.T("the run is over", "运行已结束"),
	"status.failed":  lab.T("the run failed", "运行失败"),
	"status.stopped": lab.T("stopped; sockets closed", "已停止；套接字已关闭"),
	"status.serving": lab.T("serving real peers: each connection gets a lifeline of its own", "正在为真实的对端服务：每个连接都有自己的生命线"),
	"offline":        lab.T("connection to the lab lost: reconnecting…", "与实验台的连接断开了：正在重新连接…"),
	"refused":        lab.T("the lab refused: ", "实验台拒绝了："),
	"forbidden":      lab.T("this page may watch but not control the run (open the address the lab printed, with its #t=…)", "这个页面只能观看，不能控制运行（请打开实验台打印出的、带 #t=… 的地址）"),
	"no-lesson":      lab.T("no lesson for this run", "这次运行没有讲解"),
	"watch-only":     lab.T("the run is driven from the terminal; keys here step it too", "运行由终端驱动；在这里按键也能单步执行"),
}
