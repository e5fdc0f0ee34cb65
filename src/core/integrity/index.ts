/**
 * The integrity checker and repair (docs/INTEGRITY.md). The DataManager runs them
 * (`checkIntegrity`, `repairIntegrity`); `checkDatabase` also checks any database image, such as
 * one restored from a backup.
 */
export { checkDatabase, readAuditState, recoveredName, MAX_FINDINGS_PER_CODE, type AuditState, type DatabaseCheckContext, type Fix, type Found } from './database';
export { checkFiles, contentDigest, type FileCheckContext } from './files';
export { applyFixes, type AppliedFixes } from './repair';
export { findingKey, makeReport, withFindings, type Finding, type IntegrityReport, type Severity } from './report';
