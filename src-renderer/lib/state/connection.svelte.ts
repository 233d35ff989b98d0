/** Whether the WebSocket to `tuneloom serve` is up (always true in Electron). Drives the offline banner. */
class Connection {
  connected = $state(true);
}

export const connection = new Connection();
