/** The in-app file browser (wizard "Browse…"): one folder's entries on the machine running Tuneloom. */

export interface DirEntry {
  name: string;
  dir: boolean;
  /** Bytes for files; null for folders. */
  size: number | null;
}

export interface DirListing {
  /** The absolute folder listed. */
  path: string;
  /** Its parent folder; null at a filesystem root. */
  parent: string | null;
  /** Folders first, then files, each by name; hidden (dot) entries left out. */
  entries: DirEntry[];
  /** True when the folder held more entries than are listed. */
  truncated: boolean;
}
