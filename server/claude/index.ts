export { ClaudeRunner, claudeRunnerOptionsFromConfig, type AgentTurnRequest, type ClaudeRunnerOptions, type TurnOutcome } from "./claude-runner";
export { claudeCredentialsFromConfig, toContainerUrl, type ClaudeCredentials } from "./claude-environment";
export { createClaudeEventMapper, type ClaudeEventMapper } from "./claude-event-mapper";
