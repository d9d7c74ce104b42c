"use client";

import { useState } from "react";
import { type RotatedWebhookSecret, useRotateWebhookSecret, useWebhookStatus, type WebhookStatus } from "@/components/projects/queries";
import type { Project } from "@/components/projects/types";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { CopyButton } from "@/components/ui/copy-button";
import { NewSecretNotice } from "@/components/ui/secret-once-field";
import { Fact } from "@/components/ui/fact";
import { Panel, SectionTitle } from "@/components/ui/panel";
import { LoadError, Loading } from "@/components/ui/query-state";
import { RelativeTime } from "@/components/ui/relative-time";

// Lets a git host (GitHub, Gitea, Forgejo) deploy every push. Admins see the
// payload URL and make or rotate the signing secret; everyone else sees only
// whether one is set.
export function WebhookSection({ project, canEdit }: { project: Project; canEdit: boolean }) {
  return (
    <section aria-labelledby="webhook-title">
      <SectionTitle id="webhook-title">Git push webhook</SectionTitle>
      <p className="-mt-1.5 mb-3 max-w-3xl text-sm text-zinc-600">
        Your git host calls this on every push: a push to{" "}
        <span className="font-mono">{project.productionBranch}</span> deploys Production, a push to any other branch
        deploys that branch&apos;s Preview, each at exactly the pushed commit.
      </p>
      <Panel className="p-5 sm:p-6">
        {project.sourceKind === "git" ? (
          <WebhookDetails slug={project.slug} canEdit={canEdit} />
        ) : (
          <p className="text-sm text-zinc-700">
            Pushes can deploy only projects created from a git repository; this one deploys{" "}
            {project.sourceKind === "archive" ? "uploaded archives" : "an example app"}.
          </p>
        )}
      </Panel>
    </section>
  );
}

function WebhookDetails({ slug, canEdit }: { slug: string; canEdit: boolean }) {
  const status = useWebhookStatus(slug);
  if (status.isPending) return <Loading label="Loading the webhook's status" rows={2} />;
  if (status.isError) return <LoadError title="The webhook's status could not be loaded." error={status.error} onRetry={() => status.refetch()} />;
  if (!canEdit) return <ReadOnlyStatus status={status.data} />;
  return <ManageWebhook slug={slug} status={status.data} />;
}

function SecretState({ status }: { status: WebhookStatus }) {
  if (!status.configured) return <span data-testid="webhook-state">Not configured</span>;
  return (
    <span data-testid="webhook-state">
      Configured
      {status.updatedAt && (
        <span className="text-zinc-600">
          {/* Keyed by the time: a rotation remounts it, so it measures from now, not from when the page loaded. */}
          {" "}· set <RelativeTime key={status.updatedAt} value={status.updatedAt} />
        </span>
      )}
    </span>
  );
}

function ReadOnlyStatus({ status }: { status: WebhookStatus }) {
  return (
    <div className="space-y-3">
      <dl>
        <Fact term="Signing secret">
          <SecretState status={status} />
        </Fact>
      </dl>
      <p className="text-sm text-zinc-600">Team admins and owners see the payload URL and manage the secret.</p>
    </div>
  );
}

function ManageWebhook({ slug, status }: { slug: string; status: WebhookStatus }) {
  const rotate = useRotateWebhookSecret(slug);
  const [confirming, setConfirming] = useState(false);
  // The plaintext lives only here, until dismissed: the server keeps it sealed and never returns it again.
  const [created, setCreated] = useState<RotatedWebhookSecret | null>(null);

  function generate() {
    setCreated(null);
    rotate.mutate(undefined, {
      onSuccess: (result) => {
        setCreated(result);
        setConfirming(false);
      },
    });
  }

  return (
    <div className="space-y-5">
      <dl className="grid gap-x-6 gap-y-4 sm:grid-cols-3">
        <Fact term="Payload URL" className="sm:col-span-3">
          <div className="flex flex-wrap items-center gap-2">
            <code data-testid="webhook-url" className="min-w-0 flex-1 rounded-md border border-zinc-200 bg-zinc-50 px-3 py-2 font-mono text-xs break-all">
              {status.url}
            </code>
            <CopyButton value={status.url} label="Copy URL" />
          </div>
        </Fact>
        <Fact term="Content type">
          <span className="font-mono">application/json</span>
        </Fact>
        <Fact term="Events">Just the push event</Fact>
        <Fact term="Signing secret">
          <SecretState status={status} />
        </Fact>
      </dl>
      {status.problem && <Alert tone="error">{status.problem}</Alert>}
      {created && <NewSecret secret={created.secret} onDone={() => setCreated(null)} />}
      {rotate.error && !confirming && <Alert tone="error">{rotate.error.message}</Alert>}
      <div className="flex flex-wrap items-center gap-3 border-t border-zinc-200 pt-5">
        {status.configured ? (
          <Button variant="secondary" aria-haspopup="dialog" onClick={() => {
              rotate.reset();
              setConfirming(true);
            }}>
            Rotate secret
          </Button>
        ) : (
          <Button onClick={generate} pending={rotate.isPending}>
            Generate secret
          </Button>
        )}
        <p className="text-xs text-zinc-500">Paste the URL, content type and secret into your git host&apos;s webhook settings.</p>
      </div>
      {confirming && (
        <ConfirmDialog
          title="Rotate the webhook secret?"
          confirmLabel="Rotate secret"
          cancelLabel="Keep the current one"
          pending={rotate.isPending}
          error={rotate.error}
          onConfirm={generate}
          onClose={() => setConfirming(false)}
        >
          The current secret stops working at once: pushes are refused until you paste the new one into your git
          host&apos;s webhook settings.
        </ConfirmDialog>
      )}
    </div>
  );
}

function NewSecret({ secret, onDone }: { secret: string; onDone: () => void }) {
  return (
    <NewSecretNotice
      message={
        <>
          New signing secret created. <strong className="font-medium">Copy it now: it won&apos;t be shown again.</strong>
        </>
      }
      field={{ id: "webhook-secret", label: "Webhook secret", value: secret, copyLabel: "Copy secret" }}
      onDone={onDone}
    />
  );
}
