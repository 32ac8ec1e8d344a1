// Downloads a link's QR code. The image is fetched through the API client (so the key goes with
// it) and handed to the browser as a file; nothing is drawn in the page.
import type { ApiError, HopClient } from '../api/client.ts';
import { asApiError } from '../hooks.ts';

interface Props {
  client: HopClient;
  id: number;
  code: string;
  onError(error: ApiError): void;
}

export function QrDownload({ client, id, code, onError }: Props) {
  const download = async (format: 'png' | 'svg') => {
    try {
      const file = URL.createObjectURL(await client.qr(id, format));
      const anchor = document.createElement('a');
      anchor.href = file;
      anchor.download = `hop-${code}.${format}`;
      anchor.click();
      setTimeout(() => URL.revokeObjectURL(file), 10_000);
    } catch (thrown) {
      onError(asApiError(thrown));
    }
  };
  return (
    <>
      <button type="button" onClick={() => download('png')}>QR code (PNG)</button>
      <button type="button" onClick={() => download('svg')}>QR code (SVG)</button>
    </>
  );
}
