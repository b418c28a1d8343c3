/**
 * The test "internet": one user-defined Docker bridge network, IPv4 and IPv6, on ranges this
 * suite owns. Never use the machine's own ranges (192.0.2.0/24, 203.0.113.0/24): a network on
 * them cuts the machine off from its package mirrors.
 *
 *   const net = await createTestNetwork(run, FEATURE_NETWORK);
 *   net.name, net.gatewayV4, net.gatewayV6, net.hostV4(10), net.hostV6(10)
 */
import { dockerOk, type TestRun } from './docker';

export interface TestNetworkPlan {
	/** IPv4 /26 or larger, e.g. 198.51.100.0/26; hosts are numbered from its base. */
	readonly subnetV4: string;
	/** IPv6 /64, e.g. 2001:db8:a1::/64. */
	readonly subnetV6: string;
}

/** The Feature suite's ranges (other suites use other parts of 198.51.100.0/24). */
export const FEATURE_NETWORK: TestNetworkPlan = { subnetV4: '198.51.100.0/26', subnetV6: '2001:db8:a1::/64' };

export interface TestNetwork {
	readonly name: string;
	readonly gatewayV4: string;
	readonly gatewayV6: string;
	/** The IPv4 address with host number N in the subnet. */
	hostV4(n: number): string;
	/** The IPv6 address with host number N (hex) in the subnet. */
	hostV6(n: number): string;
}

/**
 * `name` fixes the network's name (default: one per run) for configs that must name it
 * ahead of time, like the Feature's scenarios.json.
 */
export async function createTestNetwork(testRun: TestRun, plan: TestNetworkPlan, name = `airlock-e2e-${testRun.id}`): Promise<TestNetwork> {
	const baseV4 = plan.subnetV4.split('/')[0].split('.').map(Number);
	const prefixV6 = plan.subnetV6.split('/')[0].replace(/::$/, '');
	const hostV4 = (n: number): string => [baseV4[0], baseV4[1], baseV4[2], baseV4[3] + n].join('.');
	const hostV6 = (n: number): string => `${prefixV6}::${n.toString(16)}`;
	const gatewayV4 = hostV4(1);
	const gatewayV6 = hostV6(1);
	await dockerOk([
		'network', 'create', ...testRun.labelArgs, '--driver', 'bridge', '--ipv6',
		'--subnet', plan.subnetV4, '--gateway', gatewayV4,
		'--subnet', plan.subnetV6, '--gateway', gatewayV6,
		name,
	]);
	return { name, gatewayV4, gatewayV6, hostV4, hostV6 };
}
