// Text from the backend under test (bodies, headers, its start command's output) is hostile input:
// escape sequences in it could rewrite the terminal, forge links (OSC 8) or break XML. Everything
// that reaches the console, Markdown, JUnit or an error message goes through `inert` first.
import { stripVTControlCharacters } from 'node:util';

// C0 controls except tab and newline, DEL, C1 controls, and the bidirectional overrides that can
// make a line read differently than it is ("Trojan Source").
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with escape sequences removed and every other control character (tab and newline aside) dropped. */
export function inert(text: string): string {
  return stripVTControlCharacters(text).replace(CONTROL, '');
}

/** `inert`, on one line: for a console row or a table cell. */
export function inertLine(text: string): string {
  return inert(text).replace(/[\n\t]+/g, ' ');
}
