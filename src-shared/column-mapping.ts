/**
 * A column -> role mapping travels as a list (ColumnMapping[], which the contract can validate) and is
 * stored and handed to the importer as a record ({col: role}). These convert between the two.
 */
import { MAP_ROLES, type ColumnMapping, type MapRole } from './ipc-contract';

export function mappingToRecord(map: readonly ColumnMapping[]): Record<string, MapRole> {
  return Object.fromEntries(map.map((m) => [m.column, m.role]));
}

/** A stored mapping as a list; entries whose role is not a mapping role (a format's field notes) are left out. */
export function mappingFromRecord(record: Record<string, string>): ColumnMapping[] {
  return Object.entries(record).flatMap(([column, role]) => ((MAP_ROLES as readonly string[]).includes(role) ? [{ column, role: role as MapRole }] : []));
}
