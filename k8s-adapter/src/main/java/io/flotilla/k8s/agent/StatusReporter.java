package io.flotilla.k8s.agent;

import io.flotilla.api.ManagedCluster;
import io.flotilla.api.ObjectMeta;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One report to the hub: first the aggregated node labels (a merge patch of only the keys that
 * changed since they were last applied), then the status (PUT .../status). A 401 from either is
 * thrown for the caller to register again; other label failures are logged and retried with the
 * next report, never holding the status back.
 */
public final class StatusReporter {
  private static final Logger log = LoggerFactory.getLogger(StatusReporter.class);

  private final HubApi hub;
  private final List<String> prefixes;
  /** The aggregated labels the ManagedCluster carries; {@code null} until read from the hub. */
  private Map<String, String> applied;
  private boolean patchUnsupportedLogged;

  public StatusReporter(HubApi hub, List<String> prefixes) {
    this.hub = hub;
    this.prefixes = prefixes;
  }

  /** Forgets what was applied (after a new registration, the ManagedCluster is read again). */
  public synchronized void reset() {
    applied = null;
  }

  public synchronized ManagedCluster report(ParentCredential credential, StatusCollector.Snapshot snapshot)
      throws HubException {
    if (snapshot.aggregatedLabels() != null) {
      syncLabels(credential, snapshot.aggregatedLabels());
    }
    ManagedCluster body = new ManagedCluster(HubApi.GROUP_VERSION, ManagedCluster.KIND,
        ObjectMeta.of(credential.namespace(), credential.clusterName()), null, snapshot.status());
    return hub.reportStatus(body, credential.token());
  }

  private void syncLabels(ParentCredential credential, Map<String, String> desired) throws HubException {
    try {
      if (applied == null) {
        ManagedCluster current = hub.getCluster(credential.namespace(), credential.clusterName(), credential.token());
        applied = LabelAggregator.withPrefix(current.metadata() == null ? null : current.metadata().labels(),
            prefixes);
      }
      Map<String, String> patch = LabelAggregator.diff(applied, desired);
      if (patch.isEmpty()) {
        return;
      }
      ManagedCluster patched = hub.patchLabels(credential.namespace(), credential.clusterName(), patch,
          credential.token());
      applied = patched.metadata() != null && patched.metadata().labels() != null
          ? LabelAggregator.withPrefix(patched.metadata().labels(), prefixes) : Map.copyOf(desired);
      log.info("aggregated labels of ManagedCluster {}/{} patched: {}", credential.namespace(),
          credential.clusterName(), patch);
    } catch (HubException e) {
      if (e.unauthorized()) {
        throw e;
      }
      if (e.code() == 404 || e.code() == 405) {
        if (!patchUnsupportedLogged) {
          log.warn("the hub does not take label patches on ManagedCluster {}/{} yet ({}); labels are not aggregated",
              credential.namespace(), credential.clusterName(), e.getMessage());
          patchUnsupportedLogged = true;
        }
        return;
      }
      log.warn("cannot apply aggregated labels, retrying with the next report: {}", e.getMessage());
    }
  }
}
