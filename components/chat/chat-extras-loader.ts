"use client";

import { lazy } from "react";

// React.lazy, not next/dynamic (whose loader alone is ~2 kB of the agent page's first load); one
// import for every extra, so they arrive in one request and cost the first load one loader.
const loadExtras = () => import("./chat-extras");

export const ChatShortcuts = lazy(() => loadExtras().then((module) => ({ default: module.ChatShortcuts })));
export const ComposerAttachments = lazy(() => loadExtras().then((module) => ({ default: module.ComposerAttachments })));
export const MessageActions = lazy(() => loadExtras().then((module) => ({ default: module.MessageActions })));
export const ScheduleGroup = lazy(() => loadExtras().then((module) => ({ default: module.ScheduleGroup })));
export const ConversationMenu = lazy(() => loadExtras().then((module) => ({ default: module.ConversationMenu })));
export const AgentMissing = lazy(() => loadExtras().then((module) => ({ default: module.AgentMissing })));
export const ConversationSearch = lazy(() => loadExtras().then((module) => ({ default: module.ConversationSearch })));
