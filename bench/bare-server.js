// The reference for the read benchmark: a bare node:http server answering fixed JSON bytes.
const http = require('node:http');

const body = Buffer.from(process.env.BARE_BODY ?? '{"status":"success"}');
const port = Number(process.env.PORT ?? 3999);

http
  .createServer((_request, response) => {
    response.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': body.length,
    });
    response.end(body);
  })
  .listen(port, '127.0.0.1');
