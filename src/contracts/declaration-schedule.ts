// A declaration schedule's run (申报计划), started by its Temporal Schedule: what it is started with.

export interface DeclarationScheduleInput {
  scheduleId: string;
}
