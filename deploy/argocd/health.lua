-- Argo CD health check for ecsnet.dev/* (PrivateEcsNetwork, EcrAccess). Install it in argocd-cm as
--   resource.customizations.health.ecsnet.dev_PrivateEcsNetwork: |  (this file)
--   resource.customizations.health.ecsnet.dev_EcrAccess: |          (this file)
-- kstatus order (Lua 5.1, as Argo CD runs it; tested with lua5.1 by test/integration/deploy/argocd-health.test.ts):
--   no status yet, or status.observedGeneration behind metadata.generation → Progressing (not judged yet);
--   Stalled=True → Degraded (a person must act; also while deleting: the deletion is stuck);
--   being deleted → Progressing (ecsnet is removing what it made);
--   Reconciling=True → Progressing; Ready=True → Healthy; anything else → Progressing.
local hs = { status = "Progressing", message = "waiting for ecsnet to report status" }

local function describe(c, fallback)
  local reason = c.reason or fallback
  if c.message ~= nil and c.message ~= "" then
    return reason .. ": " .. c.message
  end
  return reason
end

if obj.status == nil or obj.status.conditions == nil then
  return hs
end
local generation = obj.metadata and obj.metadata.generation
if obj.status.observedGeneration == nil or (generation ~= nil and obj.status.observedGeneration < generation) then
  hs.message = "ecsnet has not observed the latest spec yet"
  return hs
end

local byType = {}
for _, c in ipairs(obj.status.conditions) do
  if c.type ~= nil then
    byType[c.type] = c
  end
end

local stalled, reconciling, ready = byType["Stalled"], byType["Reconciling"], byType["Ready"]
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = describe(stalled, "Stalled")
  return hs
end
if obj.metadata ~= nil and obj.metadata.deletionTimestamp ~= nil then
  hs.message = "being deleted: ecsnet is removing the AWS resources it created"
  return hs
end
if reconciling ~= nil and reconciling.status == "True" then
  hs.message = describe(reconciling, "Reconciling")
  return hs
end
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = describe(ready, "Ready")
  return hs
end
if ready ~= nil then
  hs.message = describe(ready, "NotReady")
end
return hs
