/** End-to-end suite: needs a running Docker engine and the images from images/build-images.sh. */
module.exports = {
    preset: "ts-jest",
    testEnvironment: "node",
    rootDir: "../..",
    roots: ["<rootDir>/test/e2e"],
    testMatch: ["**/*.e2e.test.ts"],
    testTimeout: 300000,
    maxWorkers: 1,
};
