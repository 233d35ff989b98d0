/** Every schema migration, in version order. Add a new numbered file for each change; never edit one that shipped. */
import type { Migration } from '../migration';
import { migration001 } from './001-initial';
import { migration002 } from './002-run-owner';
import { migration003 } from './003-run-memory';
import { migration004 } from './004-checkpoint-files';
import { migration005 } from './005-grpo-rewards';
import { migration006 } from './006-eval-thinking';

export const migrations: Migration[] = [migration001, migration002, migration003, migration004, migration005, migration006];
