// The app's types as the UI sees them, generated from crates/app by ts-rs (`cargo test` writes
// ./generated; scripts/test.sh fails if that changes a committed file). Do not edit generated/.
export type { AppError } from './generated/AppError';
export type { AppInfo } from './generated/AppInfo';
export type { AuditEntryView } from './generated/AuditEntryView';
export type { AuditVerifyView } from './generated/AuditVerifyView';
export type { BalanceView } from './generated/BalanceView';
export type { Created } from './generated/Created';
export type { DashboardView } from './generated/DashboardView';
export type { ErrorCode } from './generated/ErrorCode';
export type { ForecastView } from './generated/ForecastView';
export type { KdfView } from './generated/KdfView';
export type { LegView } from './generated/LegView';
export type { LockReason } from './generated/LockReason';
export type { MoneyView } from './generated/MoneyView';
export type { PlanView } from './generated/PlanView';
export type { PreviewQuery } from './generated/PreviewQuery';
export type { PreviewView } from './generated/PreviewView';
export type { PurgeView } from './generated/PurgeView';
export type { RetentionChanged } from './generated/RetentionChanged';
export type { RetentionView } from './generated/RetentionView';
export type { Settings } from './generated/Settings';
export type { SourceView } from './generated/SourceView';
export type { Unlocked } from './generated/Unlocked';
export type { VaultState } from './generated/VaultState';
export type { VaultStatus } from './generated/VaultStatus';
