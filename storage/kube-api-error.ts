// Apart from client.ts so that code which only recognises kube-apiserver's errors does not load the HTTPS
// client and its credentials with it.

/** A failed call to kube-apiserver, carrying its HTTP status and the Status object it answered with. */
export class KubeApiError extends Error {
  constructor(readonly statusCode: number, readonly status: KubeStatus | undefined, message: string) {
    super(message);
    this.name = 'KubeApiError';
  }
  get reason(): string | undefined {
    return this.status?.reason;
  }
}

export interface KubeStatus {
  kind?: string;
  apiVersion?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: Record<string, unknown>;
}
