import { AppError } from "../../lib/errors";
import { platformMetrics } from "../../server/metrics/platform-metrics";

/** The AppError an action is refused with (thrown or rejected); fails when it is not refused. */
export async function refusalOf(action: () => unknown): Promise<AppError> {
  try {
    await action();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

/** How many refusals of one limit /metrics has counted in this process so far. */
export async function refusals(limit: string): Promise<number> {
  const metric = await platformMetrics().limitRefusals.get();
  return metric.values.find((value) => value.labels.limit === limit)?.value ?? 0;
}
