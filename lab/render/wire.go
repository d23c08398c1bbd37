package render

import (
	"encoding/hex"
	"fmt"
	"strings"

	"socketlab/lab"
	"socketlab/lab/view"
)

// Packets (--packets) are drawn across both lanes, from the lane of the
// end that sent them to the other, with their flags and relative numbers:
//
//	1.204   ── [SYN] seq 0 win 65,495 MSS=65495 SACK_PERM WS=1024 ───────────▶
//	1.230   ◀─────────────────── [SYN, ACK] seq 0 ack 1 win 65,483 MSS=65495 ──
//
// In one lane they are tagged "wire", with the arrow first. Without a
// capture, what TCP_INFO says changed is drawn in its socket's lane.

// PacketText writes a packet's flags and numbers: "[PSH, ACK] seq 1 ack 1
// len 5 win 65,536", or for a datagram "UDP, 5 bytes".
func PacketText(pi *lab.PacketInfo, l lab.Lang) string {
	if pi == nil {
		return ""
	}
	if pi.Proto == "udp" {
		return "UDP, " + bytesWord(pi.Len, l)
	}
	s := fmt.Sprintf("[%s] seq %d", pi.Flags, pi.Seq)
	if pi.Retrans { // first, as Wireshark does: a long line is cut at its end
		s = lab.T("retransmission ", "重传 ").In(l) + s
	}
	if strings.Contains(pi.Flags, "ACK") {
		s += fmt.Sprintf(" ack %d", pi.Ack)
	}
	if pi.Len > 0 {
		s += " len " + thousands(int64(pi.Len))
	}
	s += " win " + thousands(int64(pi.Win))
	if pi.Opts != "" && strings.Contains(pi.Flags, "SYN") {
		var keep []string // what the handshake agrees on; the timestamps are noise here
		for _, o := range strings.Fields(pi.Opts) {
			if !strings.HasPrefix(o, "TSval=") && !strings.HasPrefix(o, "TSecr=") {
				keep = append(keep, o)
			}
		}
		if len(keep) > 0 {
			s += " " + strings.Join(keep, " ")
		}
	}
	return s
}

// wireRow draws a packet (or a fold of packets) across the lanes.
func (r *Text) wireRow(it view.Item, text string) {
	e := it.Event
	stamp := timeStamp(e.T)
	if it.Kind == view.Folded {
		stamp = timeStamp(it.Fold.T)
	}
	c := r.pal.side(lab.Wire)
	if r.lanes == 1 {
		way := "──▶ "
		if !it.FacesServer {
			way = "◀── "
		}
		tag := view.Tag(e, false, r.o.Lang)
		line := Fit(way+text, r.laneW)
		r.printf("%s\n", strings.TrimRight(Pad(stamp, timeW-1)+" "+c.Sprint(tag)+strings.Repeat(" ", max(0, tagW-Width(tag)))+c.Sprint(line), " "))
		r.layers(e, strings.Repeat(" ", timeW+tagW))
		return
	}
	span := 2*r.laneW + gutterW
	text = Fit(text, span-10)
	fill := max(2, span-Width(text)-6)
	line := "── " + text + " " + strings.Repeat("─", fill) + "▶"
	if !it.FacesServer {
		line = "◀" + strings.Repeat("─", fill) + " " + text + " ──"
	}
	r.printf("%s\n", Pad(stamp, timeW-1)+" "+c.Sprint(line))
	r.layers(e, strings.Repeat(" ", timeW+3))
}

// layers draws, with --full, a packet's layers under it: the IP header, the
// TCP or UDP header, and the payload the application sent, in hex.
func (r *Text) layers(e lab.Event, indent string) {
	pi := e.Packet
	if !r.o.Full || pi == nil || e.Op != lab.OpPacket {
		return
	}
	proto := strings.ToUpper(pi.Proto)
	for _, l := range []struct {
		name, what string
		b          []byte
	}{
		{"IP", ipSummary(pi, r.o.Lang), pi.Net},
		{proto, transportSummary(pi, r.o.Lang), pi.Transport},
		{r.tr(lab.T("data", "数据")), r.tr(lab.T("what the application sent", "应用程序发送的内容")), pi.Payload},
	} {
		if len(l.b) == 0 {
			continue
		}
		r.printf("%s%s\n", indent, Fit(fmt.Sprintf("%-5s%s: %s", l.name, r.bytesWord(len(l.b)), l.what), r.o.Width-Width(indent)))
		head := ""
		for i := 0; i < len(l.b); i += 16 {
			row := hex.EncodeToString(l.b[i:min(i+16, len(l.b))])
			var spaced strings.Builder
			for j := 0; j < len(row); j += 2 {
				if j > 0 {
					spaced.WriteByte(' ')
				}
				spaced.WriteString(row[j : j+2])
			}
			r.printf("%s%s%s\n", indent, Pad(head, 16), spaced.String())
			head = ""
		}
	}
}

// ipSummary reads the IP header's fields a learner looks at: version,
// addresses, TTL (hop limit) and the protocol it carries.
func ipSummary(pi *lab.PacketInfo, l lab.Lang) string {
	b, proto := pi.Net, strings.ToUpper(pi.Proto)
	switch {
	case len(b) >= 20 && b[0]>>4 == 4:
		return lab.Tf("IPv4 %s → %s, TTL %d, protocol %d (%s)", "IPv4 %s → %s，TTL %d，协议 %d（%s）",
			hostOf(pi.Src), hostOf(pi.Dst), b[8], b[9], proto).In(l)
	case len(b) >= 40 && b[0]>>4 == 6:
		return lab.Tf("IPv6 %s → %s, hop limit %d, next header %d (%s)", "IPv6 %s → %s，跳数限制 %d，下一报头 %d（%s）",
			hostOf(pi.Src), hostOf(pi.Dst), b[7], b[6], proto).In(l)
	}
	return proto
}

// transportSummary reads the TCP or UDP header's fields: ports, and for
// TCP the numbers, flags, window and options.
func transportSummary(pi *lab.PacketInfo, l lab.Lang) string {
	ports := portOf(pi.Src) + " → " + portOf(pi.Dst)
	if pi.Proto == "udp" {
		return lab.Tf("ports %s, length %d", "端口 %s，长度 %d", ports, 8+pi.Len).In(l)
	}
	s := lab.Tf("ports %s, [%s] seq %d ack %d, window %s", "端口 %s，[%s] 序号 %d 确认号 %d，窗口 %s",
		ports, pi.Flags, pi.Seq, pi.Ack, thousands(int64(pi.Win))).In(l)
	if pi.Opts != "" {
		s += lab.T(", ", "，").In(l) + pi.Opts
	}
	return s
}

func hostOf(addr string) string {
	h, _, ok := strings.Cut(strings.TrimPrefix(addr, "["), "]:")
	if ok {
		return h
	}
	h, _, _ = strings.Cut(addr, ":")
	return h
}

func portOf(addr string) string {
	i := strings.LastIndexByte(addr, ':')
	return addr[i+1:]
}

// foldPacketText is a fold of like packets: "⋯ 700 more [PSH, ACK]
// segments, 1,045,504 bytes (seq 12–2054)".
func foldPacketText(f view.Fold, l lab.Lang) string {
	flags, _, _ := strings.Cut(f.Call, " ")
	seqs := fmt.Sprintf("seq %d–%d", f.First, f.Last)
	if f.First == f.Last {
		seqs = fmt.Sprintf("seq %d", f.First)
	}
	if l == lab.Zh {
		return fmt.Sprintf("⋯ 又 %s 个 [%s] 报文段，共 %s 字节数据（%s）", thousands(int64(f.Calls)), flags, thousands(f.Bytes), seqs)
	}
	return fmt.Sprintf("⋯ %s more [%s] segments, %s bytes of data (%s)", thousands(int64(f.Calls)), flags, thousands(f.Bytes), seqs)
}
