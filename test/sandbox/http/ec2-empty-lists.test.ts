import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { ec2Ok } from '../../../sandbox/http/protocols';

const AWS_CLI = process.env.JIT_AWS_CLI ?? '/usr/bin/aws';
const haveAwsCli = existsSync(AWS_CLI);
if (!haveAwsCli) {
  const message = `\n\n*** EC2 EMPTY-LIST AWS CLI TEST NOT RUN: no AWS CLI at ${AWS_CLI}. Install it with: apt-get install awscli ***\n\n`;
  if (process.env.CI) throw new Error(message);
  console.warn(message);
}

describe('sandbox: empty EC2 answers carry their empty lists', () => {
  it('names the list element of DescribeInstances, empty', () => {
    expect(ec2Ok('DescribeInstances', 'req-1').body).toContain('<requestId>req-1</requestId><reservationSet/></DescribeInstancesResponse>');
    expect(ec2Ok('DescribeSecurityGroups', 'req-1').body).toContain('<securityGroupInfo/>');
  });

  (haveAwsCli ? it : it.skip)('gives botocore (the AWS CLI) "Reservations": [], so resp["Reservations"] works', async () => {
    // Prepare: an endpoint that answers every call as the sandbox answers an empty DescribeInstances.
    const server: Server = createServer((_req, res) => {
      const answer = ec2Ok('DescribeInstances', 'req-ec2-empty');
      res.writeHead(200, answer.headers).end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      // Act
      const { stdout } = await promisify(execFile)(AWS_CLI, ['ec2', 'describe-instances', '--endpoint-url', url, '--region', 'eu-west-1', '--output', 'json'], {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', AWS_ACCESS_KEY_ID: 'AKIAEMPTYLISTS000001', AWS_SECRET_ACCESS_KEY: 'secret', AWS_PAGER: '', HOME: '/nonexistent' },
      });
      // Assess
      expect(JSON.parse(stdout)).toEqual({ Reservations: [] });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }, 60_000);
});
