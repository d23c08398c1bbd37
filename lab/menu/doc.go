// Package menu draws the lab's interactive menus in a terminal with
// github.com/manifoldco/promptui, and works around what promptui gets wrong:
//
//   - it rings the bell on arrow keys: its output goes through [NoBell];
//   - it misdraws a line wider than the terminal: every label, title and
//     detail is cut to the width with [Fit] (display cells, CJK = 2);
//   - it ignores NO_COLOR: its templates use colour only when asked;
//   - a finished prompt keeps reading the terminal and swallows the next key:
//     input goes through [Keys], which hands each key to one open reader;
//   - a finished prompt keeps writing too (readline "cleans" the line from
//     its goroutine): its output is cut off when it returns;
//   - it redraws from readline's goroutine while its own clears up, on every
//     key but Enter (a data race): the keys the menu gives a meaning of its
//     own read as Enter, with a flag Select then reports: q, Ctrl-C, Ctrl-D
//     ([ErrQuit]); Esc, Backspace, ← and q below the top ([ErrBack]); a
//     typed item [Item.Number] (that item). Values are typed in cooked mode
//     instead of with promptui's Prompt.
//
// A [Terminal] keeps raw mode from one menu to the next and uses cooked mode
// for everything else (a run's trace, step mode's line-based keys, typed
// values); Close restores the terminal as Open found it.
//
// [Terminal.Page] shows a long text through the learner's pager, with the
// lab's own reading of the terminal paused meanwhile ([Keys.Pause]), or
// through a small built-in one; a text that fits is printed as it is.
//
// The package knows nothing about demos: it shows [Item] labels and asks for
// [Field] values; the command line decides what they mean.
package menu
