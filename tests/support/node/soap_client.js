// Node's soap package as a caller of the gateway: reads the WSDL at argv[2], makes the calls
// given on stdin as JSON ([{"operation": ..., "params": {...}}, ...]) and prints, as JSON, each
// reply's statusresult with the fields it holds.
"use strict";
const soap = require("soap");

async function main() {
  let input = "";
  for await (const chunk of process.stdin) input += chunk;
  const client = await soap.createClientAsync(process.argv[2]);
  const replies = [];
  for (const call of JSON.parse(input)) {
    const [reply] = await client[`${call.operation}Async`](call.params);
    replies.push(reply.statusresult);
  }
  process.stdout.write(JSON.stringify(replies) + "\n");
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
