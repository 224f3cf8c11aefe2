-- Argo CD health check for ecsnet.dev/* (PrivateEcsNetwork, EcrAccess). Install it in argocd-cm as
--   resource.customizations.health.ecsnet.dev_PrivateEcsNetwork: |  (this file)
--   resource.customizations.health.ecsnet.dev_EcrAccess: |          (this file)
-- kstatus semantics: Stalled=True → Degraded; a stale observedGeneration or Reconciling=True → Progressing;
-- Ready=True → Healthy; anything else → Progressing.
local hs = { status = "Progressing", message = "waiting for ecsnet" }
if obj.status == nil or obj.status.conditions == nil then
  return hs
end
if obj.status.observedGeneration ~= nil and obj.metadata.generation ~= nil
    and obj.status.observedGeneration < obj.metadata.generation then
  hs.message = "ecsnet has not observed the latest spec yet"
  return hs
end
local ready = nil
for _, c in ipairs(obj.status.conditions) do
  if c.type == "Stalled" and c.status == "True" then
    hs.status = "Degraded"
    hs.message = c.reason .. ": " .. (c.message or "")
    return hs
  end
  if c.type == "Ready" then
    ready = c
  end
end
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message or "Ready"
elseif ready ~= nil then
  hs.message = ready.reason .. ": " .. (ready.message or "")
end
return hs
