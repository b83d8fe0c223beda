<?php
// PHP's SoapClient as a caller of the gateway: reads the WSDL at argv[1], makes the calls
// given on stdin as JSON ([{"operation": ..., "params": {...}}, ...]) and prints, as JSON, each
// reply's statusresult with the fields it holds (an empty element is "", an absent one absent).
$client = new SoapClient($argv[1], ['cache_wsdl' => WSDL_CACHE_NONE, 'exceptions' => true]);
$replies = [];
foreach (json_decode(stream_get_contents(STDIN), true) as $call) {
    $reply = $client->__soapCall($call['operation'], [$call['params']]);
    $replies[] = (object) get_object_vars($reply->statusresult);
}
echo json_encode($replies, JSON_UNESCAPED_UNICODE), "\n";
