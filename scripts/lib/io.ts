/** Where an operator command writes its lines: results to `out`, problems to `err`. */
export interface LineIo {
  out(line: string): void;
  err(line: string): void;
}
