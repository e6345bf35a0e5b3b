// The no-op job of graphile-worker's own perfTest: bench/graphile.sh.
module.exports = async (payload) => {
	if (payload && payload.id === 999) console.log("Found 999!");
};
