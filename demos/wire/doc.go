// Package wire implements the framings that the lab and the tutorials' Python
// programs use to find message boundaries in a TCP byte stream.
//
// TCP delivers bytes, not messages: two sends may arrive in one recv, and one
// send may arrive in several. A framing tells the reader where each message
// ends, either with a length in front of it or with a delimiter after it.
// Every framing here has an Append or Write function for the sender and a
// Parse or Read function for the receiver:
//
//	struct header: WriteFrame, ReadFrame (Python struct.pack('i', n) + data)
//
//	+----+----+----+----+----+----+----+----+----+
//	| 05 | 00 | 00 | 00 | h  | e  | l  | l  | o  |
//	+----+----+----+----+----+----+----+----+----+
//	 length: 4 bytes,     payload: length bytes
//	 'i' little-endian,
//	 '!i' big-endian is 00 00 00 05
//
//	JSON header: WriteJSON, ReadJSON (the tutorials' header dictionary)
//
//	+-------------+-----------------+----+----+----+----+----+
//	| 0f 00 00 00 | {"datasize": 5} | h  | e  | l  | l  | o  |
//	+-------------+-----------------+----+----+----+----+----+
//	 length of the  JSON header:      body: datasize bytes
//	 JSON header    UTF-8 object
//
//	text header: WriteText, ReadText (Python f"{n:<10}".encode() + data)
//
//	+---+---+---+---+---+---+---+---+---+---+----+----+----+----+----+
//	| 5 |   |   |   |   |   |   |   |   |   | h  | e  | l  | l  | o  |
//	+---+---+---+---+---+---+---+---+---+---+----+----+----+----+----+
//	 length: 10 ASCII characters,            payload: length bytes
//	 decimal, left-aligned, space-padded
//
//	lines: WriteLine, ReadLine (HTTP header style)
//
//	+-------------------+-------+-------------+-------+-------+
//	| Host: example.com | \r \n | Accept: */* | \r \n | \r \n |  body...
//	+-------------------+-------+-------------+-------+-------+
//	 a line               end     a line        end     empty line:
//	                                                    end of headers
//
// Demo 7's objects go inside such frames: AppendPickle and ParsePickle
// write and read Python's pickle (plain data only; a pickle that names a
// callable is refused), CheckGob vets a gob stream before encoding/gob
// reads it, and PyRepr writes a decoded value as Python's repr would, cut
// at a fixed length.
//
// The receiver trusts nothing it reads. Every decoder takes a limit (max, or
// DefaultMax when max <= 0) and refuses a negative length or one above the
// limit before allocating anything for it. Even an allowed length is not
// allocated up front: the buffer grows as bytes actually arrive, so a peer
// that announces 60 MiB and sends 3 bytes costs a few kilobytes. What a
// decoder builds is bounded too: a pickle's value, whose memo lets a few
// bytes refer to one value a million times, may cost at most 128 bytes per
// byte of the pickle, and a gob's counts must fit the bytes that follow.
//
// A peer that closes the connection between frames ends the stream normally:
// the decoder returns io.EOF itself, so read loops stop with
//
//	if err == io.EOF {
//		break
//	}
//
// A peer that closes in the middle of a frame gives an error that matches
// io.ErrUnexpectedEOF and says how much was missing, such as
// "read body: unexpected EOF: got 3 of 10 bytes, 7 missing" (see ShortError).
package wire
