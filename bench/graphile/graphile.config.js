// bench/graphile.sh runs graphile-worker from this directory: the worker
// settings of graphile-worker's own perfTest (perfTest/graphile.config.js
// upstream), the connection and concurrency from the script's environment.
const jobs = parseInt(process.env.GW_CONCURRENCY || "24", 10);

module.exports = {
	worker: {
		connectionString: process.env.DATABASE_URL,
		fileExtensions: [".js"],
		concurrentJobs: jobs,
		maxPoolSize: jobs + 1,
		localQueue: { size: 500, refetchDelay: { durationMs: 10 } },
		completeJobBatchDelay: 0,
		failJobBatchDelay: 0,
	},
};
