import type { TemplateListResponse } from "@/lib/agent-api";
import { agentTemplates } from "@/lib/agent-templates";
import { jsonRoute } from "@/server/http/json-route";
import { requireUser } from "@/server/http/request-user";
import { getPlatformServices } from "@/server/platform-services";
import { methodsOtherThan } from "@/server/http/method-not-allowed";

/** The template gallery, with the model new agents get by default. */
export const GET = jsonRoute(async (request: Request): Promise<TemplateListResponse> => {
  await requireUser(request);
  return { templates: [...agentTemplates], defaultModel: getPlatformServices().config.DEFAULT_MODEL };
});

export const { POST, PUT, PATCH, DELETE } = methodsOtherThan("GET");
