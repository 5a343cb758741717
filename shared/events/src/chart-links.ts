import { createHmac, timingSafeEqual } from 'node:crypto'

// The contract between the rules service, which puts an alert's chart link into webhooks and
// PagerDuty events, and the API, which serves the chart: receivers fetch it without a token, so
// the link carries an HMAC of the episode it shows, under VIGIL_LINK_SECRET.

function signature(secret: string, episode: string): string {
  return createHmac('sha256', secret).update(`vigil-chart:${episode}`).digest('hex').slice(0, 32)
}

/** `<publicUrl>/v1/alerts/episodes/<episode>/chart.png?sig=…` */
export function signedChartUrl(publicUrl: string, secret: string, episode: string): string {
  return `${publicUrl}/v1/alerts/episodes/${encodeURIComponent(episode)}/chart.png?sig=${signature(secret, episode)}`
}

/** Whether `sig` is the link's signature of this episode (in constant time). */
export function chartSignatureValid(secret: string, episode: string, sig: string): boolean {
  const want = Buffer.from(signature(secret, episode))
  const got = Buffer.from(sig)
  return got.length === want.length && timingSafeEqual(got, want)
}
